export const handler = async () => {
  throw new Error('worker: not implemented yet');
};
