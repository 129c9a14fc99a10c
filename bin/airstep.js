#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it (and the user's DAG files) on the fly.
import { register } from 'tsx/esm/api';

register();
await import('./airstep.ts');
