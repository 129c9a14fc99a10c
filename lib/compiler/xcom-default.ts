/**
 * Results larger than this (JSON bytes) travel as XCom references unless the DAG sets `xcomOffloadBytes`. Its own
 * module so workers read it without loading the compiler.
 */
export const DEFAULT_XCOM_OFFLOAD_BYTES = 8192;
