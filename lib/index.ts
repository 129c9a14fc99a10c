// The package root: the DAG authoring SDK. `import { dag } from 'airstep'`.
export * from './sdk/index.ts';
