// The fixtures' writer lives with the DICOM code (the benchmark uses it too).
export * from '../support/dicom/write';
