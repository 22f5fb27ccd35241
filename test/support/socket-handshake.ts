import { io } from 'socket.io-client';

/**
 * Outcome of a Socket.IO handshake to `base` sent with the given headers (an `Origin`, a session cookie,
 * an `Authorization`): whether the server let the socket connect.
 */
export function socketIoHandshake(
  base: string,
  headers: Record<string, string>,
): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const socket = io(base, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: headers,
      timeout: 5000,
    });
    socket.on('connect', () => (socket.close(), resolve('connected')));
    socket.on('connect_error', () => (socket.close(), resolve('refused')));
  });
}
