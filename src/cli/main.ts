#!/usr/bin/env node
/** The `nativenn` command: see run.ts. */
import { fail, run } from './run';

run(process.argv.slice(2)).catch(fail);
