export * from './onnx';
export * from './cam';
export * from './runner';
