/** `tsx examples/app/main.ts`: the example app on PORT (default 3002). Settings: see README.md beside this file. */
import { createServer } from 'node:http';
import { createExampleApp } from './app';
import { ConfigError, configFromEnv } from './config';

try {
  const config = configFromEnv(process.env);
  const app = createExampleApp(config);
  const server = createServer((request, response) => void app.handle(request, response));
  server.listen(config.port, '127.0.0.1', () => {
    console.log(`example app on ${config.appUrl} (issuer ${config.issuer}, client ${config.clientId})`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`example app: ${error.message}`);
  process.exit(2);
}
