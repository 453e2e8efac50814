// One place for the esbuild settings of every Lambda bundle, so `cdk synth` (NodejsFunction) and
// bench/bundles.ts build exactly the same thing.
import { join } from 'node:path';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';

/** esbuild target matching the Lambda runtime (Node.js 22). */
export const BUNDLE_TARGET = 'node22';

/**
 * ESM output keeps top-level await available to handlers and lets esbuild tree-shake the SDK's ES modules.
 * Some dependencies (the X-Ray SDK under the Powertools tracer, parts of @kubernetes/client-node) still
 * call `require`; an ESM bundle has no `require`, so the banner provides one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __eksDrCreateRequire } from 'node:module'; const require = __eksDrCreateRequire(import.meta.url);";

/** Prefer each package's ES module build: it tree-shakes, the CommonJS build does not. */
export const MAIN_FIELDS = ['module', 'main'] as const;

/**
 * Nothing is external: the SDK v3 clients are bundled so the versions tested here are the versions that run,
 * not whatever the runtime ships that month; and one file loads faster than hundreds of runtime modules.
 */
export const EXTERNAL_MODULES: readonly string[] = [];

/**
 * Modules swapped for Lambda-specific ones at bundle time. The SDK's default credential chain (SSO, ini
 * files, process, web identity, IMDS and the STS/SSO clients behind them) is replaced by the chain a Lambda
 * function actually has: environment, then the container endpoint (functions/shared/aws/lambda-credentials.ts
 * says why and what it saves). Tests and local runs import the real module.
 */
export const LAMBDA_MODULE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(
    import.meta.dirname,
    '..',
    '..',
    'functions',
    'shared',
    'aws',
    'lambda-credentials.ts',
  ),
};

/** The NodejsFunction bundling options every eks-dr function uses: local esbuild, never Docker. */
export function lambdaBundling(): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: BUNDLE_TARGET,
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    // Stack traces need file and line, not the original text: keeps the .map small.
    sourcesContent: false,
    mainFields: [...MAIN_FIELDS],
    banner: ESM_REQUIRE_BANNER,
    externalModules: [...EXTERNAL_MODULES],
    // CDK passes each as `--alias:<module>=<file>` on esbuild's command line.
    esbuildArgs: {
      '--alias': Object.entries(LAMBDA_MODULE_ALIASES).map(([module, file]) => `${module}=${file}`),
    },
    bundleAwsSDK: true,
  };
}

/** The same settings for esbuild's own API (bench/bundles.ts); `outfile` ends in `.mjs`. */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: [...MAIN_FIELDS],
    banner: { js: ESM_REQUIRE_BANNER },
    external: [...EXTERNAL_MODULES],
    alias: { ...LAMBDA_MODULE_ALIASES },
    logLevel: 'error' as const,
  };
}
