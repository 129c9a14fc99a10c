import { buildApp } from '../lib/constructs/airstep-stack.ts';

// `npx cdk synth | deploy`: synthesis fails on any cdk-nag finding that is not acknowledged with a reason.
buildApp().app.synth();
