import { exhaustiveSuite } from './reference/exhaustive.ts';

exhaustiveSuite('UTC');
