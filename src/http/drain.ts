// trackConnections: per-socket request state of one HTTP server, and a drain that never resets a keep-alive client.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * How long (at most half of shutdown_timeout) a connection with no request in flight may stay open once draining,
 * whatever its parser state (idle, or holding half-sent headers). A client that reuses its keep-alive socket sends its next request within this window and
 * gets an answer with `Connection: close`; closing an idle socket at once races that request (RFC 9112 §9.6) and the
 * client sees ECONNRESET.
 */
export const DRAIN_IDLE_GRACE_MS = 1_000;

interface ConnectionState {
  /** Tracked only once draining (before that, `last` alone is kept: no listener per request). */
  inFlight: number;
  idleSince: number;
  /** The socket's latest response: responses go out in order, so the socket is busy while this one is not done. */
  last: ServerResponse | undefined;
}

/** An HTTP server as the drain needs it (node:http Server; @hono/node-server returns one). */
export interface DrainableServer extends NetServer {
  closeAllConnections(): void;
}

export interface ConnectionTracker {
  /**
   * Stop accepting, answer every later response with `Connection: close` (the socket closes after it), close each
   * connection once it has had no request in flight for DRAIN_IDLE_GRACE_MS (capped by the timeout), and after
   * `timeoutMs` close what is left (calling `onTimeout` first). Resolves when every connection is gone.
   */
  drain(timeoutMs: number, onTimeout: () => void): Promise<void>;
}

/**
 * Track the sockets and requests of `server` (call before it serves its first request). Until a drain starts, a
 * request costs one property write (its socket's latest response); the drain then counts what is in flight from
 * those and follows each response to its end.
 */
export function trackConnections(server: DrainableServer, now: () => number = Date.now): ConnectionTracker {
  const connections = new Map<Socket, ConnectionState>();
  let draining = false;
  /** Count `res` in flight on `state` until it closes (draining only). */
  const follow = (state: ConnectionState, res: ServerResponse) => {
    state.inFlight++;
    res.once('close', () => {
      state.inFlight--;
      state.idleSince = now();
    });
  };
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { inFlight: 0, idleSince: now(), last: undefined });
    socket.once('close', () => connections.delete(socket));
  });
  // Prepended: the header must be set before the app's listener can write the head.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = connections.get(req.socket);
    if (state === undefined) return;
    const previous = state.last;
    state.last = res;
    if (!draining) return;
    // Only the socket's latest response closes it: requests pipelined in one packet all arrive before the first
    // answer is written, and a `Connection: close` on an earlier one would end the socket with the later ones
    // unanswered. Responses leave in order, so moving it to the newest still closes the socket after the last.
    // An HTTP/1.0 keep-alive client needs the keep-alive said (without a Connection header it would end there).
    if (previous !== undefined && !previous.headersSent) {
      if (previous.shouldKeepAlive) previous.setHeader('Connection', 'keep-alive');
      else previous.removeHeader('Connection');
    }
    res.setHeader('Connection', 'close');
    follow(state, res);
  });

  return {
    drain(timeoutMs, onTimeout) {
      draining = true;
      const started = now();
      // At most half the budget: a short shutdown_timeout still closes idle sockets before it runs out.
      const grace = Math.min(DRAIN_IDLE_GRACE_MS, timeoutMs / 2);
      for (const state of connections.values()) {
        const last = state.last;
        // A response not finished yet (being computed, or still being written) is in flight from now on.
        if (last === undefined || last.writableFinished || last.destroyed) continue;
        // The socket's latest response, still being computed, closes it (and moves on to a request pipelined behind).
        if (!last.headersSent) last.setHeader('Connection', 'close');
        follow(state, last);
      }
      return new Promise((resolve) => {
        const sweep = () => {
          const t = now();
          for (const [socket, state] of connections) {
            if (state.inFlight === 0 && t - Math.max(state.idleSince, started) >= grace) socket.destroy();
          }
        };
        const sweeper = setInterval(sweep, 50);
        const timer = setTimeout(() => {
          clearInterval(sweeper);
          onTimeout();
          server.closeAllConnections();
          for (const socket of connections.keys()) socket.destroy();
        }, timeoutMs);
        sweeper.unref();
        timer.unref();
        // net.Server's close, not http.Server's: the latter destroys idle sockets at once (the race above) and stops the
        // checks that enforce headersTimeout/requestTimeout, so a half-sent request could hold the drain (Node 19+).
        NetServer.prototype.close.call(server, () => {
          clearInterval(sweeper);
          clearTimeout(timer);
          // Now http.Server's close: it clears that connection-checking interval (nothing is left to check).
          server.close();
          resolve();
        });
      });
    },
  };
}
