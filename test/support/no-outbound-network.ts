import net from 'node:net';

/** STYLE.md: tests talk to 127.0.0.1 only; any other connection is a bug in the test or the code. */
const allowedHosts = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1', undefined, '']);
const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const options = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number | string;
  const host =
    typeof options === 'object' && options !== null
      ? options.path !== undefined
        ? 'localhost'
        : options.host
      : typeof options === 'number'
        ? (args[1] as string | undefined)
        : undefined;
  if (typeof host === 'string' && !allowedHosts.has(host)) {
    throw new Error(`Test tried to connect to ${host}: only 127.0.0.1 is allowed (point config at a fake)`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
