export const handler = async () => {
  throw new Error('trigger: not implemented yet');
};
