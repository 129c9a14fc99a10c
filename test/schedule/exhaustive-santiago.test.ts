import { exhaustiveSuite } from './reference/exhaustive.ts';

exhaustiveSuite('America/Santiago');
