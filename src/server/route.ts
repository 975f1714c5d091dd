/**
 * `defineRoute`: one declaration gives the Fastify route, its zod validation, its role guard and its entry in
 * the OpenAPI document. Handlers return the body; errors are thrown as `AppError` and shaped in one place.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AuthContext, Role } from '../auth/roles.js';
import { authenticate } from './authenticate.js';
import { parseInput } from './validate.js';

export type RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tags?: string[];
  /** The weakest role allowed; `public` skips authentication. */
  role: Role | 'public';
  body?: B;
  query?: Q;
  params?: P;
  /** Documents the success body. */
  response?: z.ZodType;
  status?: number;
};

export type RouteInput<B, Q, P> = {
  body: B; query: Q; params: P;
  auth: AuthContext;
  request: FastifyRequest; reply: FastifyReply;
};

/** What the OpenAPI document is built from; kept on the root instance. */
export type DocumentedRoute = Omit<RouteSpec<any, any, any>, 'url'> & { path: string };

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export function defineRoute<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, P extends z.ZodType = z.ZodUndefined>(
  app: FastifyInstance,
  spec: RouteSpec<B, Q, P>,
  handler: (input: RouteInput<Out<B>, Out<Q>, Out<P>>) => Promise<unknown>,
): void {
  const path = (app.prefix + spec.url).replace(/\/+$/, '') || '/';
  app.documentedRoutes.push({ ...spec, path });
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (request, reply) => {
      const auth = spec.role === 'public' ? (undefined as unknown as AuthContext) : await authenticate(request, spec.role);
      const params = spec.params ? parseInput(spec.params, request.params, 'params') : undefined;
      const query = spec.query ? parseInput(spec.query, request.query, 'query') : undefined;
      const body = spec.body ? parseInput(spec.body, request.body ?? {}, 'body') : undefined;
      const result = await handler({ body, query, params, auth, request, reply } as RouteInput<Out<B>, Out<Q>, Out<P>>);
      if (reply.sent) return reply;
      reply.status(spec.status ?? (result === undefined ? 204 : 200));
      return result === undefined ? reply.send() : result;
    },
  });
}
