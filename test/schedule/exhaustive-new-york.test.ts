import { exhaustiveSuite } from './reference/exhaustive.ts';

exhaustiveSuite('America/New_York');
