export { buildApp } from './app.js';
export { loadNotificationsConfig, type NotificationsConfig, SERVICE } from './config.js';
