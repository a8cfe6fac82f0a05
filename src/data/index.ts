/** nn.data: preprocessing and loading helpers (datasets live in nn.datasets). */

export type { CsvData, CsvOptions } from './csv';
export { CsvError, readCsv } from './csv';
export { oneHot } from './encoders';
export type { MinMaxScalerJSON, Scaler, ScalerJSON, StandardScalerJSON } from './scalers';
export { MinMaxScaler, minMaxScaler, StandardScaler, scalerFromJSON, standardScaler } from './scalers';
export type { Split, SplitOptions } from './split';
export { take, trainTestSplit } from './split';
