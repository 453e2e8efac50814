// One place for the esbuild settings of every Lambda bundle, so `cdk synth` (NodejsFunction) and
// bench/bundles.ts build exactly the same thing.
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';

/** esbuild target matching the Lambda runtime (Node.js 22). */
export const BUNDLE_TARGET = 'node22';

/**
 * The bundle's file name. A CommonJS `index.js`, which the Lambda runtime loads with `require`: the same
 * bundle as an ES module (`index.mjs`, loaded with `import()`) took 10–35 ms longer to load for every
 * function (bench/bundles.ts). esbuild still reads each package's ES module build (MAIN_FIELDS) and
 * tree-shakes it; only the output format changes. The price: no top-level await in handlers (esbuild
 * refuses to build one, so it cannot slip in) and no `import.meta` in bundled code
 * (test/infra/bundle-size.test.ts builds every function with warnings as errors).
 */
export const BUNDLE_FILE = 'index.js';

/** Prefer each package's ES module build: it tree-shakes, the CommonJS build does not. */
export const MAIN_FIELDS = ['module', 'main'] as const;

/**
 * Nothing is external: the SDK v3 clients are bundled so the versions tested here are the versions that run,
 * not whatever the runtime ships that month; and one file loads faster than hundreds of runtime modules.
 */
export const EXTERNAL_MODULES: readonly string[] = [];

/**
 * The NodejsFunction bundling options every eks-dr function uses: local esbuild, never Docker. Packages are
 * bundled as published, none aliased to a stand-in (test/infra/bundle-size.test.ts holds that).
 */
export function lambdaBundling(): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.CJS,
    target: BUNDLE_TARGET,
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    // Stack traces need file and line, not the original text: keeps the .map small.
    sourcesContent: false,
    mainFields: [...MAIN_FIELDS],
    externalModules: [...EXTERNAL_MODULES],
    bundleAwsSDK: true,
    // A package.json saying the bundle is CommonJS, so index.js loads as such wherever it is put: Lambda's
    // /var/task has none (CommonJS is Node's default), but cdk.out sits inside this "type": "module" project.
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `echo '${BUNDLE_PACKAGE_JSON}' > "${outputDir}/package.json"`,
      ],
    },
  };
}

/** The package.json written beside every bundle. */
export const BUNDLE_PACKAGE_JSON = '{"type":"commonjs"}';

/** The same settings for esbuild's own API (bench/bundles.ts); `outfile` is BUNDLE_FILE in a folder of its own. */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: [...MAIN_FIELDS],
    external: [...EXTERNAL_MODULES],
    logLevel: 'error' as const,
  };
}
