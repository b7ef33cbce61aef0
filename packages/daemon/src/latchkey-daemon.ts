#!/usr/bin/env node
// The `latchkey-daemon` program: the bundle of main.ts (daemon-bundle.js, made by scripts/bundle-daemon.mjs),
// loaded after V8's compile cache is turned on where Node has it (>= 22.1): a start then reads the bundle's
// compiled code instead of compiling it (on Node 24 here, spawn to listening 135-156 -> 93-98 ms with the
// memory store). The cache lives beside this file, in .compile-cache: whoever can write there can write the
// daemon's code itself, so it lets nobody into the daemon who could not get in already; where this folder
// is not the user's (a root-owned global install) nothing is cached.
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const compileCache = module as { enableCompileCache?: (dir: string) => unknown };
compileCache.enableCompileCache?.(fileURLToPath(new URL('./.compile-cache', import.meta.url)));
await import(new URL('./daemon-bundle.js', import.meta.url).href);
