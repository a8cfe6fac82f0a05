/** nn.data: preprocessing and loading helpers (datasets live in nn.datasets). */

export type { CsvData, CsvOptions } from './csv';
export { CsvError, readCsv } from './csv';
export { MAX_RECORD_BYTES } from './csv-chunks';
export type { CsvDatasetOptions, ReadProgress } from './csv-dataset';
export { CsvDataset, csvDataset } from './csv-dataset';
export type { CsvTable, TableColumn, TableOptions } from './csv-table';
export { MISSING_TOKENS, parseCsvTable, readCsvTable } from './csv-table';
export { oneHot } from './encoders';
export type { IdxOptions } from './idx';
export { IdxError, readIdx } from './idx';
export type { MinMaxScalerJSON, Scaler, ScalerJSON, StandardScalerJSON } from './scalers';
export { MinMaxScaler, minMaxScaler, StandardScaler, scalerFromJSON, standardScaler } from './scalers';
export type { Split, SplitOptions } from './split';
export { take, trainTestSplit } from './split';
export type { CharVocabJSON, CharVocabOptions } from './text';
export { CharVocab, charVocab } from './text';
export type { Sequence, SlidingWindowOptions, Windows } from './windows';
export { slidingWindows } from './windows';
