export * from './h5';
export * from './keras-files';
export * from './tfjs-format';
