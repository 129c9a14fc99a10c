export const handler = async () => {
  throw new Error('dag-sync: not implemented yet');
};
