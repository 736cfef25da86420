/** An event type as matching and the API see it: registered in D1, or one of Switchyard's platform types. */
export interface RegisteredEventType {
  type: string;
  schema: unknown;
  description: string | null;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** A platform event type: its schema is Switchyard's own. */
  platform: boolean;
}
