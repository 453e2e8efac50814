/** The reasons a Kubernetes API server puts in a failure Status (metav1.StatusReason). */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: Array<{ reason?: string; message: string; field?: string }>;
  retryAfterSeconds?: number;
}

/** A failure the simulator answers with a `kind: Status` body, exactly as kube-apiserver shapes it. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** The metav1.Status body sent to the client. */
  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** Names a resource the way the API server does in messages: `deployments.apps` or `configmaps`. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const apiErrors = {
  notFound: (resource: string, group: string, name: string) =>
    new KubeApiError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
      name,
      group: group || undefined,
      kind: resource,
    }),
  pathNotFound: () => new KubeApiError(404, 'NotFound', 'the server could not find the requested resource'),
  alreadyExists: (resource: string, group: string, name: string) =>
    new KubeApiError(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, {
      name,
      group: group || undefined,
      kind: resource,
    }),
  conflict: (resource: string, group: string, name: string) =>
    new KubeApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: group || undefined, kind: resource },
    ),
  invalid: (
    kind: string,
    group: string,
    name: string,
    field: string,
    detail: string,
    causeReason = 'FieldValueRequired',
  ) =>
    new KubeApiError(
      422,
      'Invalid',
      `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${field}: ${detail}`,
      {
        name,
        group: group || undefined,
        kind,
        causes: [{ reason: causeReason, message: detail, field }],
      },
    ),
  badRequest: (message: string) => new KubeApiError(400, 'BadRequest', message),
  methodNotAllowed: (verb: string, resource: string) =>
    new KubeApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${verb} ${resource})`,
    ),
  unsupportedMediaType: (contentType: string) =>
    new KubeApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${contentType})`,
    ),
  expiredContinue: () =>
    new KubeApiError(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
    ),
  tooManyRequests: (retryAfterSeconds: number) =>
    new KubeApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
      retryAfterSeconds,
    }),
  internal: (message: string) =>
    new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`),
  unauthorized: () => new KubeApiError(401, 'Unauthorized', 'Unauthorized'),
};
