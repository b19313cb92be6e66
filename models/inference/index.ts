export * from './onnx';
