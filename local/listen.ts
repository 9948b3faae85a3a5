import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalSetupError } from './dynamodb-local';

/** Listens on 127.0.0.1; a taken or privileged port is a LocalSetupError naming the variable to change. */
export async function listen(server: Server, port: number, variable: string): Promise<number> {
  await new Promise<void>((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new LocalSetupError(`port ${port} is taken on 127.0.0.1: stop what uses it or set ${variable} to another port`));
      else if (error.code === 'EACCES') reject(new LocalSetupError(`port ${port} needs privileges on this system: set ${variable} to a port above 1023`));
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolvePromise();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => {
    if (!server.listening) return resolvePromise();
    server.close(() => resolvePromise());
    server.closeAllConnections();
  });
}
