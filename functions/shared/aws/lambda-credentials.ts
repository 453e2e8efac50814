// The credential chain of a Lambda function, standing in for @aws-sdk/credential-provider-node in the bundles.
//
// Why: every SDK client's runtime config imports `defaultProvider` from @aws-sdk/credential-provider-node,
// whose chain also carries SSO, shared ini files, credential_process, web identity and IMDS, with the STS,
// SSO and SSO-OIDC clients they need: ~130 KB of every bundle (measured on approval: 597 KB → 468 KB) and
// tens of milliseconds of module compilation on each cold start, for sources that never apply inside Lambda.
// There the runtime hands the function role's credentials over in the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), or, where the function runs in a container-style host, at
// AWS_CONTAINER_CREDENTIALS_FULL_URI. infra/constructs/bundling.ts aliases the module to this one; local
// runs (tests, the sandbox, the CLI) keep the SDK's full chain.
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';
import { type FromHttpOptions, fromHttp } from '@aws-sdk/credential-provider-http';

/** What a credential provider answers; the type the SDK's own providers return. */
export type AwsCredentials = Awaited<ReturnType<ReturnType<typeof fromEnv>>>;

/** Credentials this close to expiry are fetched again (the SDK's own default chain uses 5 minutes). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/** Options the SDK passes to the provider: the client's config, of which only `logger` matters here. */
export type LambdaCredentialsInit = FromEnvInit & FromHttpOptions;

/** No credential source of a Lambda function answered: names both, with what each said. */
export class LambdaCredentialsError extends Error {
  constructor(environmentError: unknown, containerError: unknown) {
    super(
      'no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set ' +
        `(${messageOf(environmentError)}) and the container credentials endpoint did not answer ` +
        `(${messageOf(containerError)})`,
      { cause: containerError },
    );
    this.name = 'LambdaCredentialsError';
  }
}

/**
 * The Lambda credential chain under the name the SDK imports: environment first, then the container
 * endpoint; the answer is kept until five minutes before it expires (environment credentials carry no
 * expiry and are re-read on every call, which costs nothing).
 */
export function defaultProvider(init: LambdaCredentialsInit = {}): () => Promise<AwsCredentials> {
  const fromEnvironment = fromEnv(init);
  // fromHttp throws at once when no endpoint is configured, the usual case in Lambda: build it on first need.
  let fromContainer: ReturnType<typeof fromHttp> | undefined;
  let cached: Promise<AwsCredentials> | undefined;
  const resolve = async (): Promise<AwsCredentials> => {
    let environmentError: unknown;
    try {
      return await fromEnvironment();
    } catch (error) {
      environmentError = error;
    }
    try {
      fromContainer ??= fromHttp(init);
      return await fromContainer();
    } catch (containerError) {
      throw new LambdaCredentialsError(environmentError, containerError);
    }
  };
  return async () => {
    const current = cached === undefined ? undefined : await cached.catch(() => undefined);
    if (current !== undefined && !expiresSoon(current)) return current;
    const attempt = resolve();
    cached = attempt;
    // A failed lookup is not kept: the next call tries again.
    attempt.catch(() => {
      if (cached === attempt) cached = undefined;
    });
    return attempt;
  };
}

function expiresSoon(credentials: AwsCredentials): boolean {
  return (
    credentials.expiration !== undefined &&
    credentials.expiration.getTime() - Date.now() < REFRESH_BEFORE_EXPIRY_MS
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
