// PocketBase's default auth email templates link into the admin UI
// ({APP_URL}/_/#/auth/confirm-verification/{TOKEN} and friends). With the gate on, those links
// answer like an unknown path for anyone without the gate cookie, which is every app user. This
// finds them so boot can say which collection and template to fix. The secret admin path must never
// be put into a template: emails leave the server.

export interface TemplateRef {
  collection: string;
  /** PocketBase's option name, as in the collection settings: verificationTemplate, ... */
  template: string;
  body: string;
  subject?: string;
}

export interface TemplateFinding {
  collection: string;
  template: string;
  /** _superusers links are meant for the admin UI: they work after opening the secret path. */
  superusers: boolean;
}

const ADMIN_LINK = /\/_\//;

export function findAdminLinks(templates: readonly TemplateRef[]): TemplateFinding[] {
  return templates
    .filter((t) => ADMIN_LINK.test(t.body) || (t.subject !== undefined && ADMIN_LINK.test(t.subject)))
    .map((t) => ({ collection: t.collection, template: t.template, superusers: t.collection === "_superusers" }));
}
