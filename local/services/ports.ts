import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { PrerequisiteError } from './prerequisite-error.ts';

/** A port the OS says is free now (for servers that cannot be given port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails with a one-line explanation when `port` is taken. */
export async function ensurePortFree(port: number, what: string, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PrerequisiteError(`Port ${port} for ${what} is already in use: stop what holds it or set ${variable} to another port`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/**
 * Starts an HTTP server on 127.0.0.1 only (anyone on the network could otherwise reach it) and
 * returns its base URL and a `close` that does not wait for idle keep-alive connections.
 */
export async function listenOnLoopback(server: HttpServer, port: number): Promise<{ url: string; close(): Promise<void> }> {
  // Keep-alive sockets would hold `close()` open; clients reconnect cheaply on loopback.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
