export const handler = async () => {
  throw new Error('recorder: not implemented yet');
};
