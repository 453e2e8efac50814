// The one zod every schema in eks-dr imports: `import * as z from './zod.ts'`.
//
// zod/mini, not classic zod: every Lambda bundles these schemas, and the classic API (methods on every schema)
// defeats tree-shaking; it cost ~90 KB and ~45 ms of cold load per function, mini about 20 KB and a few ms.
// Mini loads no locale, so every issue would read a bare "Invalid input"; our errors print zod's messages
// ("expected string, received number"), so the English locale is configured here, once, before any schema
// parses. Importing the single locale from `zod/locales` keeps the others out of the bundle
// (`z.locales.en` would pull in all of them). package.json lists this file under `sideEffects`: the project
// is otherwise declared free of them, and a bundler would drop the config() call, since every name this
// module exports comes straight from zod/mini.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
