// Ports and the embedded broker of the `npm start` demo.
import net from 'node:net';

export function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/** A free loopback port (the OS picks it; it is free again when this returns). */
export async function anyFreePort() {
  const server = net.createServer();
  const port = await listen(server, 0);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portFree(port) {
  const server = net.createServer();
  try {
    await listen(server, port);
    await new Promise((resolve) => server.close(resolve));
    return true;
  } catch {
    return false;
  }
}

/** The port an env var asks for: unset = `preferred` or a free one; 0 = a free one; N = exactly N. */
export async function choosePort(name, preferred) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return (await portFree(preferred)) ? preferred : anyFreePort();
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number (0 = any free port), got ${JSON.stringify(raw)}`);
  if (port === 0) return anyFreePort();
  if (!(await portFree(port))) throw new Error(`${name}: port ${port} is in use`);
  return port;
}

export async function startEmbeddedBroker() {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  const raw = process.env.LPR_BROKER_PORT;
  // Listening on port 0 directly: the OS picks the port, no race with another process.
  const port = raw === '0' ? 0 : await choosePort('LPR_BROKER_PORT', 1883);
  const bound = await listen(server, port);
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    stop: () => new Promise((resolve) => server.close(() => aedes.close(resolve))),
  };
}

