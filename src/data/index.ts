/** nn.data: preprocessing and loading helpers (datasets live in nn.datasets). */
export { minMaxScaler, standardScaler, scalerFromJSON, MinMaxScaler, StandardScaler } from './scalers';
export type { Scaler, ScalerJSON, MinMaxScalerJSON, StandardScalerJSON } from './scalers';
export { oneHot } from './encoders';
export { take, trainTestSplit } from './split';
export type { Split, SplitOptions } from './split';
export { readCsv, CsvError } from './csv';
export type { CsvData, CsvOptions } from './csv';
