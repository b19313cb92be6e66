// The models library: EfficientNet family, heads and CAM. Plain TypeScript on TF.js.
export * from './efficientnet/variants';
export * from './efficientnet/build';
export * from './efficientnet/macs';
export * from './efficientnet/progressive';
export * from './efficientnet/classifier';
export * from './efficientnet/summary';
