#!/usr/bin/env node
// Generates the committed TypeScript types for proto/latchkey/v1/agent.proto with the very loader
// options used at run time (packages/protocol/src/loader-options.json).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const options = JSON.parse(readFileSync(join(root, 'packages/protocol/src/loader-options.json'), 'utf8'));
const require = createRequire(join(root, 'packages/protocol/package.json'));
const bin = join(dirname(require.resolve('@grpc/proto-loader/package.json')), 'build/bin/proto-loader-gen-types.js');

const flags = ['--grpcLib=@grpc/grpc-js', '--outDir=packages/protocol/src/generated', '--importFileExtension=.js'];
if (options.keepCase) flags.push('--keepCase');
if (options.longs) flags.push(`--longs=${options.longs}`);
if (options.enums) flags.push(`--enums=${options.enums}`);
if (options.defaults) flags.push('--defaults');
if (options.oneofs) flags.push('--oneofs');

execFileSync(process.execPath, [bin, ...flags, 'proto/latchkey/v1/agent.proto'], { cwd: root, stdio: 'inherit' });
