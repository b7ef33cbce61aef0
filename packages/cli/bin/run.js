#!/usr/bin/env node
// The `agent` executable.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
