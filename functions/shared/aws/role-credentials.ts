// The function role's credentials for the one thing eks-dr signs itself rather than through an SDK client:
// the EKS token (as `aws eks get-token` makes it). The SDK's default chain, as every SDK client uses it; one
// provider per container, so its cached answer is shared and refreshed before it expires.
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { perBase } from './memo.ts';

/** The role's credential provider of this container's dependencies. */
export const roleCredentials = perBase(() => defaultProvider());
