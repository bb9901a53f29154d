export * from './client.ts';
export * from './errors.ts';
export type { TransportOptions } from './transport.ts';
