import { exhaustiveSuite } from './reference/exhaustive.ts';

exhaustiveSuite('Australia/Lord_Howe');
