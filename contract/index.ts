/** The one place every Airtime schema is declared; server, main, preload and renderer import from here. */
export * from './errors';
export * from './money';
export * from './phone';
export * from './http/auth';
export * from './http/account';
export * from './http/insights';
export * from './http/health';
export * from './http/recovery';
export * from './http/two-factor';
export * from './http/security';
export * from './http/payments';
export * from './http/autopay';
export * from './http/plans';
export * from './subscriber';
export * from './settings';
export * from './ipc';
