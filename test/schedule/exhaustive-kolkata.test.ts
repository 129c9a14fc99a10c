import { exhaustiveSuite } from './reference/exhaustive.ts';

exhaustiveSuite('Asia/Kolkata');
