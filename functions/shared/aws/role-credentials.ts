// The function role's credentials, for what eks-dr signs itself rather than through an SDK client: the EKS
// token (as `aws eks get-token` makes it) and the EC2 Query requests. One provider per container, so both
// share one cached answer. In a bundle, @aws-sdk/credential-provider-node is the Lambda chain
// (lambda-credentials.ts, aliased by infra/constructs/bundling.ts).
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { perBase } from './memo.ts';

/** The role's credential provider of this container's dependencies. */
export const roleCredentials = perBase(() => defaultProvider());
