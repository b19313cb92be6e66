export * from './onnx';
export * from './cam';
