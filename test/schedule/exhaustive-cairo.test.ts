import { exhaustiveSuite } from './reference/exhaustive.ts';

exhaustiveSuite('Africa/Cairo');
