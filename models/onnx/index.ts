export * from './export';
export { encodeModel } from './proto';
