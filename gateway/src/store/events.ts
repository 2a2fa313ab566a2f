// What the database side says when it fails: the request path degrades, and the operator hears of it here.
export type StoreErrorEvent = {
  type: 'store.error';
  operation: string;
  message: string;
};
