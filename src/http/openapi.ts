import { Router } from '@koa/router';
import type { AppState } from './app-state.ts';

/*
 * The OpenAPI 3.1 description of bangban's public HTTP APIs: the "小申" widget channel (/webchat)
 * and the staff desk (/api/desk). Hand-written, so it says what the routes promise rather than
 * what a generator guessed; test/desk/openapi.test.ts checks every route is described.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('Error')) });

const ERRORS = {
  badRequest: error('Bad input (`bad_request`, `validation_failed`); the message names the field'),
  unauthorized: error('No or wrong credentials (`unauthorized`)'),
  forbidden: error('Signed in, but this role or conversation is not allowed (`forbidden`)'),
  notFound: error('No such session, conversation or file (`not_found`)'),
  conflict: error('The conversation changed meanwhile (`conflict`, details.reason says why)'),
  tooLarge: error('Too long or too big (`payload_too_large`, details.limit)'),
  unsupported: error(
    'Wrong Content-Type, or an upload that is not a PNG/JPEG/GIF/WebP image (`unsupported_media_type`)',
  ),
  rateLimited: {
    description: 'Too many requests (`rate_limited`); wait `Retry-After` seconds',
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
    content: json(ref('Error')),
  },
};

const sessionId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Webchat session id',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
};
const conversationId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const queryToken = {
  name: 'token',
  in: 'query',
  required: false,
  description: 'The session token, for clients that cannot send headers (EventSource, <img>)',
  schema: { type: 'string' },
};
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Makes a retried POST count once (1–100 of A–Z a–z 0–9 . _ : -)',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,100}$' },
};
const webchatAuth = [{ webchatToken: [] }];
const deskAuth = [{ deskCookie: [] }, { deskBearer: [] }];

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: {
            type: 'string',
            enum: [
              'bad_request',
              'validation_failed',
              'unauthorized',
              'forbidden',
              'not_found',
              'method_not_allowed',
              'conflict',
              'payload_too_large',
              'unsupported_media_type',
              'rate_limited',
              'internal',
              'storage_unavailable',
            ],
          },
          message: { type: 'string' },
          details: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
  Choice: {
    type: 'object',
    required: ['key', 'label'],
    properties: { key: { type: 'string' }, label: { type: 'string' } },
  },
  WidgetMessage: {
    type: 'object',
    required: ['id', 'direction', 'from', 'kind', 'text', 'mediaUrl', 'createdAt'],
    properties: {
      id: { type: 'integer', description: 'Ascending; use as `after` / Last-Event-ID' },
      direction: { type: 'string', enum: ['in', 'out'] },
      from: { type: 'string', enum: ['citizen', 'bot', 'staff', 'system'] },
      kind: { type: 'string', enum: ['text', 'image', 'voice', 'video', 'file', 'location', 'link'] },
      text: { type: 'string' },
      mediaUrl: {
        type: ['string', 'null'],
        description: 'Relative URL of an uploaded image; append `?token=`',
      },
      choices: {
        type: 'array',
        items: ref('Choice'),
        description: 'Buttons; sending a choice means sending its `key` as text',
      },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  Staff: {
    type: 'object',
    required: ['id', 'name', 'roles'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      departmentId: { type: ['string', 'null'] },
      roles: {
        type: 'array',
        items: {
          type: 'string',
          enum: ['helper', 'backup', 'expert', 'tech', 'kb_maintainer', 'supervisor', 'leader', 'admin'],
        },
      },
    },
  },
  Conversation: {
    type: 'object',
    required: ['id', 'code', 'channel', 'state', 'createdAt'],
    properties: {
      id: { type: 'string' },
      code: { type: 'string', description: 'Short handle staff type, e.g. K7Q2' },
      channel: { type: 'string', enum: ['webchat', 'wecom', 'wecom_kf', 'wechat_oa', 'dingtalk', 'desk'] },
      itemId: { type: ['string', 'null'] },
      itemName: { type: ['string', 'null'] },
      state: {
        type: 'string',
        enum: ['bot', 'queued', 'assigned', 'active', 'resolved', 'pushed_12345', 'abandoned'],
      },
      assigneeId: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
      handoffAt: { type: ['string', 'null'], format: 'date-time' },
      slaDueAt: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When the 60-second first-response limit breaches',
      },
      firstHumanResponseAt: { type: ['string', 'null'], format: 'date-time' },
      preview: { type: 'string' },
    },
  },
  DeskMessage: {
    type: 'object',
    required: ['id', 'conversationId', 'direction', 'senderKind', 'kind', 'body', 'createdAt'],
    properties: {
      id: { type: 'integer' },
      conversationId: { type: 'string' },
      direction: { type: 'string', enum: ['in', 'out'] },
      senderKind: { type: 'string', enum: ['citizen', 'bot', 'staff', 'system'] },
      staffId: { type: ['string', 'null'] },
      kind: { type: 'string' },
      body: { type: 'string' },
      mediaRef: { type: ['string', 'null'] },
      mediaUrl: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  Session: {
    type: 'object',
    required: ['staff', 'token', 'expiresAt'],
    properties: {
      staff: ref('Staff'),
      token: { type: 'string', description: 'Also set as the HttpOnly cookie' },
      expiresAt: { type: 'string', format: 'date-time' },
    },
  },
  StaffAction: {
    type: 'object',
    required: ['action'],
    properties: { action: { type: 'string' }, conversationId: { type: ['string', 'null'] } },
  },
};

const webchatPaths = {
  '/webchat/sessions': {
    post: {
      tags: ['webchat'],
      summary: 'Start a widget session',
      description:
        'Returns the session id and its bearer token (shown once). `item` names the service item of the page the widget is on.',
      requestBody: {
        required: false,
        content: json({ type: 'object', properties: { item: { type: 'string' } } }),
      },
      responses: {
        201: {
          description: 'Created',
          content: json({
            type: 'object',
            required: ['sessionId', 'token'],
            properties: { sessionId: { type: 'string' }, token: { type: 'string' } },
          }),
        },
        400: ERRORS.badRequest,
        415: ERRORS.unsupported,
        429: ERRORS.rateLimited,
      },
    },
  },
  '/webchat/sessions/{id}/enter': {
    post: {
      tags: ['webchat'],
      summary: 'Tell the bot which service item page the citizen is on',
      security: webchatAuth,
      parameters: [sessionId],
      requestBody: {
        required: true,
        content: json({ type: 'object', properties: { item: { type: 'string' } } }),
      },
      responses: {
        204: { description: 'Noted' },
        400: ERRORS.badRequest,
        401: ERRORS.unauthorized,
        404: ERRORS.notFound,
        429: ERRORS.rateLimited,
      },
    },
  },
  '/webchat/sessions/{id}/messages': {
    post: {
      tags: ['webchat'],
      summary: 'Send a text message',
      security: webchatAuth,
      parameters: [sessionId, idempotencyKey],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['text'],
          properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } },
        }),
      },
      responses: {
        201: {
          description: 'Stored and processed',
          content: json({
            type: 'object',
            required: ['messageId', 'duplicate'],
            properties: {
              messageId: { type: ['integer', 'null'] },
              duplicate: { type: 'boolean', description: 'A retry with the same Idempotency-Key' },
            },
          }),
        },
        400: ERRORS.badRequest,
        401: ERRORS.unauthorized,
        404: ERRORS.notFound,
        413: ERRORS.tooLarge,
        415: ERRORS.unsupported,
        429: ERRORS.rateLimited,
      },
    },
    get: {
      tags: ['webchat'],
      summary: 'Poll for messages (fallback when server-sent events are unavailable)',
      security: webchatAuth,
      parameters: [
        sessionId,
        queryToken,
        {
          name: 'after',
          in: 'query',
          required: false,
          description: 'Only messages with a greater id; without it the latest 100',
          schema: { type: 'integer' },
        },
      ],
      responses: {
        200: {
          description: 'Messages in id order',
          content: json({
            type: 'object',
            required: ['messages'],
            properties: { messages: { type: 'array', items: ref('WidgetMessage') } },
          }),
        },
        400: ERRORS.badRequest,
        401: ERRORS.unauthorized,
        404: ERRORS.notFound,
      },
    },
  },
  '/webchat/sessions/{id}/uploads': {
    post: {
      tags: ['webchat'],
      summary: 'Send an image (raw body, at most 5 MB)',
      security: webchatAuth,
      parameters: [
        sessionId,
        idempotencyKey,
        {
          name: 'X-File-Name',
          in: 'header',
          required: false,
          description: 'Original file name, percent-encoded',
          schema: { type: 'string' },
        },
      ],
      requestBody: {
        required: true,
        content: Object.fromEntries(
          ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].map((type) => [
            type,
            { schema: { type: 'string', format: 'binary' } },
          ]),
        ),
      },
      responses: {
        201: {
          description: 'Stored and processed',
          content: json({
            type: 'object',
            properties: {
              messageId: { type: ['integer', 'null'] },
              duplicate: { type: 'boolean' },
              mediaUrl: { type: 'string' },
            },
          }),
        },
        400: ERRORS.badRequest,
        401: ERRORS.unauthorized,
        404: ERRORS.notFound,
        413: ERRORS.tooLarge,
        415: ERRORS.unsupported,
        429: ERRORS.rateLimited,
      },
    },
  },
  '/webchat/sessions/{id}/events': {
    get: {
      tags: ['webchat'],
      summary: 'Server-sent events: every message of the session as it happens',
      description:
        'Each event is `event: message`, `id: <highest message id sent>`, `data: <WidgetMessage JSON>`. Reconnect with `Last-Event-ID` (or `?lastEventId=`) to get only newer messages; without it the stream starts with the latest 100. Comment lines (`: ping`) are heartbeats.',
      security: webchatAuth,
      parameters: [
        sessionId,
        queryToken,
        { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'integer' } },
      ],
      responses: {
        200: { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        401: ERRORS.unauthorized,
        404: ERRORS.notFound,
      },
    },
  },
  '/webchat/sessions/{id}/media/{file}': {
    get: {
      tags: ['webchat'],
      summary: 'An image this session uploaded',
      security: webchatAuth,
      parameters: [
        sessionId,
        queryToken,
        { name: 'file', in: 'path', required: true, schema: { type: 'string' } },
      ],
      responses: {
        200: {
          description: 'The image',
          content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
        },
        401: ERRORS.unauthorized,
        404: ERRORS.notFound,
      },
    },
  },
  '/webchat/sessions/{id}/shared-media/{mediaId}': {
    get: {
      tags: ['webchat'],
      summary: "A photo, voice clip, video or file a helper sent in this session's conversation",
      security: webchatAuth,
      parameters: [
        sessionId,
        queryToken,
        { name: 'mediaId', in: 'path', required: true, schema: { type: 'string' } },
      ],
      responses: {
        200: {
          description: 'The media, with its content type',
          content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
        },
        401: ERRORS.unauthorized,
        404: ERRORS.notFound,
      },
    },
  },
};

const deskRead = (summary: string, response: object, extra: object = {}) => ({
  tags: ['desk'],
  summary,
  security: deskAuth,
  responses: {
    200: { description: 'OK', content: json(response) },
    401: ERRORS.unauthorized,
    403: ERRORS.forbidden,
    ...extra,
  },
});

const deskPaths = {
  '/api/desk/login': {
    post: {
      tags: ['desk'],
      summary: 'Sign in with a one-time token (from `bangban staff token <id>`) or staff id + password',
      description:
        'Failed attempts are limited per address and per staff id (429). Sets the `bangban_desk` cookie (HttpOnly, SameSite=Strict, 12 h).',
      requestBody: {
        required: true,
        content: json({
          oneOf: [
            { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
            {
              type: 'object',
              required: ['staffId', 'password'],
              properties: { staffId: { type: 'string' }, password: { type: 'string' } },
            },
          ],
        }),
      },
      responses: {
        200: { description: 'Signed in', content: json(ref('Session')) },
        400: ERRORS.badRequest,
        401: ERRORS.unauthorized,
        415: ERRORS.unsupported,
        429: ERRORS.rateLimited,
      },
    },
  },
  '/api/desk/logout': {
    post: {
      tags: ['desk'],
      summary: 'End this session',
      security: deskAuth,
      responses: { 204: { description: 'Signed out' }, 401: ERRORS.unauthorized },
    },
  },
  '/api/desk/me': {
    get: deskRead('Who is signed in and what they may do', {
      type: 'object',
      properties: {
        staff: ref('Staff'),
        can: { type: 'object', additionalProperties: { type: 'boolean' } },
        now: { type: 'string', format: 'date-time' },
      },
    }),
  },
  '/api/desk/staff': {
    get: deskRead('Active staff (for the transfer picker)', {
      type: 'object',
      properties: { staff: { type: 'array', items: ref('Staff') } },
    }),
  },
  '/api/desk/conversations': {
    get: {
      ...deskRead(
        'The queue: own and claimable open conversations; `?all=1` every open one (supervisor, leader, admin)',
        {
          type: 'object',
          properties: {
            conversations: { type: 'array', items: ref('Conversation') },
            now: { type: 'string', format: 'date-time', description: 'Server time, for SLA countdowns' },
          },
        },
      ),
      parameters: [{ name: 'all', in: 'query', required: false, schema: { type: 'string', enum: ['1'] } }],
    },
  },
  '/api/desk/conversations/{id}': {
    get: {
      ...deskRead(
        'A conversation and its transcript',
        {
          type: 'object',
          properties: {
            conversation: ref('Conversation'),
            messages: { type: 'array', items: ref('DeskMessage') },
            now: { type: 'string' },
          },
        },
        { 404: ERRORS.notFound },
      ),
      parameters: [conversationId],
    },
  },
  '/api/desk/conversations/{id}/messages': {
    get: {
      ...deskRead(
        'Transcript lines after a message id',
        { type: 'object', properties: { messages: { type: 'array', items: ref('DeskMessage') } } },
        { 404: ERRORS.notFound, 400: ERRORS.badRequest },
      ),
      parameters: [
        conversationId,
        { name: 'after', in: 'query', required: false, schema: { type: 'integer' } },
      ],
    },
    post: {
      tags: ['desk'],
      summary: 'Reply to the citizen (or type a command) in this conversation',
      security: deskAuth,
      parameters: [conversationId],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['text'],
          properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } },
        }),
      },
      responses: {
        201: { description: 'Done', content: json(ref('StaffAction')) },
        400: ERRORS.badRequest,
        401: ERRORS.unauthorized,
        403: error('Not your conversation (`forbidden`, details.reason `not_owner`) or role not allowed'),
        404: ERRORS.notFound,
        409: ERRORS.conflict,
      },
    },
  },
  '/api/desk/conversations/{id}/claim': {
    post: {
      tags: ['desk'],
      summary: '接单: take a waiting conversation (atomic; one winner)',
      security: deskAuth,
      parameters: [conversationId],
      responses: {
        200: {
          description: 'Yours now',
          content: json({ type: 'object', properties: { conversation: ref('Conversation') } }),
        },
        401: ERRORS.unauthorized,
        403: error('Role not allowed, or not on duty (`not_on_duty`)'),
        404: ERRORS.notFound,
        409: error('Already taken, closed, at capacity or still with the bot (`conflict`, details.reason)'),
      },
    },
  },
  '/api/desk/commands': {
    post: {
      tags: ['desk'],
      summary:
        'A staff command (/resolve, /12345 <reason>, /transfer <staff>, /consult, /tech, /kb <words>, /note <text>, /list …)',
      security: deskAuth,
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['text'],
          properties: { text: { type: 'string' }, conversationId: { type: 'string' } },
        }),
      },
      responses: {
        200: { description: 'Done', content: json(ref('StaffAction')) },
        400: error('Missing argument (the usage text), unknown staff, no current conversation'),
        401: ERRORS.unauthorized,
        403: ERRORS.forbidden,
        404: ERRORS.notFound,
        409: error('Target off duty, conversation closed, not allowed in this state'),
      },
    },
  },
  '/api/desk/events': {
    get: {
      tags: ['desk'],
      summary: 'Server-sent events: notifications for the signed-in staff member',
      description:
        '`event: hello` first, then `event: notification` with a StaffNotification (new_conversation, assigned, reminder, breach, citizen_message, claimed, closed, info) or `{ "type": "refresh" }`.',
      security: deskAuth,
      responses: {
        200: { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        401: ERRORS.unauthorized,
        403: ERRORS.forbidden,
      },
    },
  },
  '/api/desk/media': {
    get: {
      tags: ['desk'],
      summary: 'The file behind a message’s mediaRef',
      security: deskAuth,
      parameters: [{ name: 'ref', in: 'query', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'The file' },
        401: ERRORS.unauthorized,
        403: ERRORS.forbidden,
        404: ERRORS.notFound,
      },
    },
  },
};

export const openApiDocument = Object.freeze({
  openapi: '3.1.0',
  info: {
    title: 'bangban (帮办) HTTP API',
    version: '0.1.0',
    description:
      'The "小申" web widget channel and the staff web desk. Errors are always `{ "error": { "code", "message", "details"? } }`.',
  },
  tags: [
    { name: 'webchat', description: 'Public widget API (CORS enabled, bearer session tokens)' },
    { name: 'desk', description: 'Staff desk (session cookie or bearer; role checks on every route)' },
  ],
  paths: { ...webchatPaths, ...deskPaths },
  components: {
    schemas,
    securitySchemes: {
      webchatToken: { type: 'http', scheme: 'bearer', description: 'The token from POST /webchat/sessions' },
      deskCookie: { type: 'apiKey', in: 'cookie', name: 'bangban_desk' },
      deskBearer: { type: 'http', scheme: 'bearer', description: 'The token from POST /api/desk/login' },
    },
  },
});

/** `GET /api/openapi.json`. */
export function openApiRouter(): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/api/openapi.json', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = openApiDocument;
  });
  return router;
}
