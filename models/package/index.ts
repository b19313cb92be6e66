export * from './metadata';
export * from './package';
export * from './archive';
export * from './versions';
