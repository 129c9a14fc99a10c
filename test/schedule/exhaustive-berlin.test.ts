import { exhaustiveSuite } from './reference/exhaustive.ts';

exhaustiveSuite('Europe/Berlin');
