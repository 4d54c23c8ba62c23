/*
 * “小申” chat widget for bangban (帮办). Add to any page:
 *
 *   <script src="https://<bangban>/webchat/widget.js" data-item="device-registration"></script>
 *
 * Plain browser JavaScript, no build step and no third-party code. It talks to the webchat API of
 * the server it was loaded from (see /api/openapi.json): a session kept in localStorage, messages
 * over POST, replies over server-sent events with polling as the fallback.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || window.__bangbanWidget) return;
  window.__bangbanWidget = true;

  var BASE = new URL(script.src, location.href).origin;
  var ITEM = script.getAttribute('data-item') || '';
  var STORE_KEY = 'bangban.webchat.v1:' + BASE;
  var MAX_CHARS = 2000;
  var MAX_IMAGE_BYTES = 5 * 1024 * 1024;
  var POLL_MS = 3000;

  var ERRORS = {
    payload_too_large: '内容太长或图片太大（文字最多 2000 字，图片最大 5 MB）',
    rate_limited: '发送太频繁，请稍后再试',
    unsupported_media_type: '只能发送 PNG、JPEG、GIF 或 WebP 图片',
    validation_failed: '请输入内容',
  };
  var SENDERS = { bot: '小申', staff: '帮办人员', system: '系统消息', citizen: '我' };
  var MEDIA_NAMES = { image: '图片', voice: '语音', video: '视频', file: '文件' };

  var session = loadSession();
  var rendered = {}; // message id → element
  // Buttons send a machine key (e.g. `resolved:1`); the citizen's own bubble shows the label they pressed.
  var choiceLabels = {};
  var lastId = 0;
  var stream = null;
  var pollTimer = null;
  var streamFailures = 0;
  var started = false;
  var unread = 0;

  // ---- DOM -------------------------------------------------------------------------------------

  var css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = BASE + '/webchat/widget.css';
  document.head.appendChild(css);

  var root = el('div', { className: 'bb-root' });
  var launcher = el('button', {
    type: 'button',
    className: 'bb-launcher',
    'aria-expanded': 'false',
    'aria-controls': 'bb-panel',
    'aria-label': '打开小申在线咨询',
  });
  launcher.appendChild(el('span', { className: 'bb-launcher-text', textContent: '小申' }));
  var badge = el('span', { className: 'bb-badge', hidden: true, 'aria-hidden': 'true' });
  launcher.appendChild(badge);

  // Plain divs: host pages often style section/header/h2, and those rules would leak in.
  var panel = el('div', {
    id: 'bb-panel',
    className: 'bb-panel',
    role: 'dialog',
    'aria-label': '小申在线咨询',
    hidden: true,
  });
  var header = el('div', { className: 'bb-header' });
  var title = el('div', { className: 'bb-title', role: 'heading', textContent: '小申 · 在线咨询' });
  title.setAttribute('aria-level', '2');
  header.appendChild(title);
  var status = el('span', { className: 'bb-status', role: 'status', textContent: '' });
  header.appendChild(status);
  var closeButton = el('button', {
    type: 'button',
    className: 'bb-close',
    'aria-label': '关闭',
    textContent: '×',
  });
  header.appendChild(closeButton);

  var log = el('div', {
    className: 'bb-log',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': '对话记录',
    tabIndex: 0,
  });
  var hint = el('p', { className: 'bb-hint', textContent: '您好！我是小申，请直接输入您要咨询的问题。' });
  log.appendChild(hint);

  var form = el('form', { className: 'bb-form' });
  var label = el('label', { className: 'bb-visually-hidden', htmlFor: 'bb-input', textContent: '输入消息' });
  var input = el('textarea', {
    id: 'bb-input',
    className: 'bb-input',
    rows: 2,
    maxLength: MAX_CHARS,
    placeholder: '请输入问题，Enter 发送，Shift+Enter 换行',
  });
  var tools = el('div', { className: 'bb-tools' });
  var fileInput = el('input', {
    type: 'file',
    accept: 'image/png,image/jpeg,image/gif,image/webp',
    className: 'bb-visually-hidden',
    id: 'bb-file',
    tabIndex: -1,
  });
  var imageButton = el('button', {
    type: 'button',
    className: 'bb-tool',
    textContent: '图片',
    'aria-label': '发送图片',
  });
  var humanButton = el('button', {
    type: 'button',
    className: 'bb-tool',
    textContent: '转人工',
    'aria-label': '转人工服务',
  });
  var sendButton = el('button', { type: 'submit', className: 'bb-send', textContent: '发送' });
  tools.appendChild(imageButton);
  tools.appendChild(humanButton);
  tools.appendChild(sendButton);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(fileInput);
  form.appendChild(tools);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  if (document.body) document.body.appendChild(root);
  else
    document.addEventListener('DOMContentLoaded', function () {
      document.body.appendChild(root);
    });

  // ---- events ----------------------------------------------------------------------------------

  launcher.addEventListener('click', function () {
    setOpen(panel.hidden);
  });
  closeButton.addEventListener('click', function () {
    setOpen(false);
  });
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') setOpen(false);
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    sendText(input.value);
  });
  input.addEventListener('keydown', function (event) {
    // Chinese input methods use Enter to confirm a candidate; never send in the middle of that.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendText(input.value);
    }
  });
  humanButton.addEventListener('click', function () {
    sendText('转人工');
  });
  imageButton.addEventListener('click', function () {
    fileInput.click();
  });
  fileInput.addEventListener('change', function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = '';
    if (file) sendImage(file);
  });

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', open ? '收起小申在线咨询' : '打开小申在线咨询');
    if (!open) {
      launcher.focus();
      return;
    }
    unread = 0;
    updateBadge();
    input.focus();
    if (!started) start();
  }

  // ---- session ---------------------------------------------------------------------------------

  function loadSession() {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
      if (saved && saved.sessionId && saved.token) return saved;
    } catch (e) {
      /* storage disabled or corrupt: start afresh */
    }
    return null;
  }

  function saveSession() {
    try {
      if (session) localStorage.setItem(STORE_KEY, JSON.stringify(session));
      else localStorage.removeItem(STORE_KEY);
    } catch (e) {
      /* private mode: the session lasts for this page only */
    }
  }

  function start() {
    started = true;
    setStatus('连接中…');
    ensureSession()
      .then(function () {
        if (ITEM && session.item !== ITEM) {
          return api('POST', '/enter', { item: ITEM }).then(function () {
            session.item = ITEM;
            saveSession();
          });
        }
      })
      .then(connect)
      .catch(function () {
        setStatus('连接失败，稍后自动重试');
        setTimeout(start, 5000);
      });
  }

  function ensureSession() {
    if (session) return Promise.resolve(session);
    return request('POST', BASE + '/webchat/sessions', ITEM ? { item: ITEM } : undefined, null).then(
      function (body) {
        session = { sessionId: body.sessionId, token: body.token, item: ITEM };
        saveSession();
        return session;
      },
    );
  }

  /** The server forgot the session (or the token is wrong): start a new one. */
  function resetSession() {
    session = null;
    saveSession();
    stopStream();
    rendered = {};
    lastId = 0;
    while (log.firstChild) log.removeChild(log.firstChild);
    log.appendChild(hint);
    start();
  }

  // ---- receiving -------------------------------------------------------------------------------

  function connect() {
    stopStream();
    if (!window.EventSource || streamFailures >= 3) {
      startPolling();
      return;
    }
    var url =
      sessionUrl('/events') +
      '?token=' +
      encodeURIComponent(session.token) +
      (lastId ? '&lastEventId=' + lastId : '');
    stream = new EventSource(url);
    stream.addEventListener('open', function () {
      streamFailures = 0;
      setStatus('');
    });
    stream.addEventListener('message', function (event) {
      try {
        show(JSON.parse(event.data));
      } catch (e) {
        /* ignore a malformed event */
      }
    });
    stream.addEventListener('error', function () {
      // The browser reconnects by itself (with Last-Event-ID) unless the server refused outright.
      streamFailures += 1;
      setStatus('正在重新连接…');
      if (stream.readyState === 2 || streamFailures >= 3) {
        stopStream();
        startPolling();
      }
    });
  }

  function stopStream() {
    if (stream) stream.close();
    stream = null;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  }

  function startPolling() {
    var tick = function () {
      pollTimer = null;
      api('GET', '/messages?after=' + lastId)
        .then(function (body) {
          setStatus('');
          body.messages.forEach(show);
        })
        .catch(function (error) {
          if (error.status === 401 || error.status === 404) return resetSession();
          setStatus('网络不稳定，正在重试…');
        })
        .then(function () {
          if (session && !stream && !pollTimer) pollTimer = setTimeout(tick, POLL_MS);
        });
    };
    tick();
    // Try the stream again now and then; polling is only the fallback.
    setTimeout(function () {
      if (session && !stream) {
        streamFailures = 0;
        connect();
      }
    }, 60000);
  }

  function show(message) {
    if (!message || typeof message.id !== 'number' || rendered[message.id]) return;
    lastId = Math.max(lastId, message.id);
    if (hint.parentNode) hint.parentNode.removeChild(hint);
    var pending = log.querySelector('[data-pending-id="' + message.id + '"]');
    if (pending) pending.parentNode.removeChild(pending);

    var item = el('div', { className: 'bb-msg bb-from-' + message.from });
    item.setAttribute('data-id', String(message.id));
    if (message.from !== 'citizen')
      item.appendChild(el('span', { className: 'bb-sender', textContent: SENDERS[message.from] || '' }));
    var bubble = el('div', { className: 'bb-bubble' });
    if (message.mediaUrl) {
      bubble.appendChild(
        mediaNode(message, BASE + message.mediaUrl + '?token=' + encodeURIComponent(session.token)),
      );
    } else {
      var text = message.text;
      if (message.from === 'citizen' && Object.prototype.hasOwnProperty.call(choiceLabels, text))
        text = choiceLabels[text];
      bubble.appendChild(el('span', { className: 'bb-text', textContent: text }));
    }
    item.appendChild(bubble);
    if (message.choices && message.choices.length) item.appendChild(choiceButtons(message.choices));
    item.appendChild(
      el('time', {
        className: 'bb-time',
        dateTime: message.createdAt,
        textContent: clock(message.createdAt),
      }),
    );

    insertInOrder(item, message.id);
    rendered[message.id] = item;
    // Only the newest question's buttons stay usable.
    var all = log.querySelectorAll('.bb-choices');
    for (var i = 0; i < all.length - 1; i += 1) disableChoices(all[i]);
    log.scrollTop = log.scrollHeight;
    if (panel.hidden && message.direction === 'out') {
      unread += 1;
      updateBadge();
    }
  }

  /**
   * A media message by its kind: a picture, a player for sound and video (with a download link,
   * since e.g. AMR voice does not play in every browser), anything else a download link by name.
   */
  function mediaNode(message, url) {
    var name = message.fileName || MEDIA_NAMES[message.kind] || '文件';
    if (message.kind === 'image') {
      var image = el('img', { className: 'bb-image', alt: '图片', loading: 'lazy' });
      image.onerror = function () {
        if (image.parentNode)
          image.parentNode.replaceChild(
            el('span', { className: 'bb-text bb-media-missing', textContent: '［图片无法显示］' }),
            image,
          );
      };
      image.src = url;
      return image;
    }
    if (message.kind === 'voice' || message.kind === 'video') {
      var box = el('div', { className: 'bb-media' });
      var player = el(message.kind === 'voice' ? 'audio' : 'video', {
        className: message.kind === 'voice' ? 'bb-audio' : 'bb-video',
        controls: true,
        preload: 'metadata',
      });
      if (message.kind === 'video') player.setAttribute('playsinline', '');
      player.src = url;
      box.appendChild(player);
      box.appendChild(downloadLink(url, name, '下载' + MEDIA_NAMES[message.kind]));
      return box;
    }
    return downloadLink(url, name, name);
  }

  function downloadLink(url, fileName, label) {
    var link = el('a', {
      className: 'bb-file',
      href: url,
      target: '_blank',
      rel: 'noopener',
      textContent: label,
    });
    link.setAttribute('download', fileName);
    return link;
  }

  function insertInOrder(item, id) {
    var nodes = log.querySelectorAll('[data-id]');
    for (var i = 0; i < nodes.length; i += 1) {
      if (Number(nodes[i].getAttribute('data-id')) > id) {
        log.insertBefore(item, nodes[i]);
        return;
      }
    }
    var firstPending = log.querySelector('[data-pending]');
    log.insertBefore(item, firstPending);
  }

  function choiceButtons(choices) {
    var group = el('div', { className: 'bb-choices', role: 'group', 'aria-label': '可选回复' });
    choices.forEach(function (choice) {
      choiceLabels[choice.key] = choice.label;
      var button = el('button', { type: 'button', className: 'bb-choice', textContent: choice.label });
      button.addEventListener('click', function () {
        disableChoices(group);
        sendText(choice.key, choice.label);
      });
      group.appendChild(button);
    });
    return group;
  }

  function disableChoices(group) {
    var buttons = group.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i += 1) buttons[i].disabled = true;
  }

  // ---- sending ---------------------------------------------------------------------------------

  function sendText(raw, shown) {
    var text = String(raw).trim();
    if (!text) return;
    if (text.length > MAX_CHARS) {
      setStatus(ERRORS.payload_too_large);
      return;
    }
    if (raw === input.value) input.value = '';
    var bubble = pendingBubble(shown || text);
    var key = randomKey();
    ensureSession()
      .then(function () {
        return api('POST', '/messages', { text: text }, { 'Idempotency-Key': key });
      })
      .then(function (body) {
        settle(bubble, body);
      })
      .catch(function (error) {
        fail(bubble, error);
      });
  }

  function sendImage(file) {
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) {
      setStatus(ERRORS.unsupported_media_type);
      return;
    }
    if (file.size > MAX_IMAGE_BYTES) {
      setStatus('图片不能超过 5 MB');
      return;
    }
    var bubble = pendingBubble('[图片] ' + file.name);
    ensureSession()
      .then(function () {
        return request('POST', sessionUrl('/uploads'), file, session.token, {
          'Content-Type': file.type,
          'X-File-Name': encodeURIComponent(file.name),
          'Idempotency-Key': randomKey(),
        });
      })
      .then(function (body) {
        settle(bubble, body);
      })
      .catch(function (error) {
        fail(bubble, error);
      });
  }

  function pendingBubble(text) {
    if (hint.parentNode) hint.parentNode.removeChild(hint);
    var item = el('div', { className: 'bb-msg bb-from-citizen bb-pending' });
    item.setAttribute('data-pending', '');
    var bubble = el('div', { className: 'bb-bubble' });
    bubble.appendChild(el('span', { className: 'bb-text', textContent: text }));
    item.appendChild(bubble);
    item.appendChild(el('span', { className: 'bb-time', textContent: '发送中…' }));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function settle(item, body) {
    if (body && typeof body.messageId === 'number') {
      if (rendered[body.messageId]) return remove(item);
      item.setAttribute('data-pending-id', String(body.messageId));
    }
    var time = item.querySelector('.bb-time');
    if (time) time.textContent = '已发送';
    // Without a stream the message shows up on the next poll; fetch at once so it does not wait.
    if (!stream)
      api('GET', '/messages?after=' + lastId).then(
        function (b) {
          b.messages.forEach(show);
        },
        function () {},
      );
  }

  function fail(item, error) {
    if (error.status === 401 || error.status === 404) {
      remove(item);
      setStatus('会话已过期，已为您重新连接，请再发一次');
      resetSession();
      return;
    }
    item.classList.add('bb-failed');
    var time = item.querySelector('.bb-time');
    if (time) time.textContent = (error.code && ERRORS[error.code]) || '发送失败，请检查网络后重试';
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  function sessionUrl(path) {
    return BASE + '/webchat/sessions/' + encodeURIComponent(session.sessionId) + path;
  }

  function api(method, path, body, headers) {
    return request(method, sessionUrl(path), body, session.token, headers);
  }

  function request(method, url, body, token, headers) {
    var init = { method: method, headers: {} };
    if (token) init.headers.Authorization = 'Bearer ' + token;
    if (body instanceof Blob) init.body = body;
    else if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    Object.keys(headers || {}).forEach(function (name) {
      init.headers[name] = headers[name];
    });
    return fetch(url, init).then(function (res) {
      if (res.status === 204) return null;
      return res.json().then(
        function (json) {
          if (res.ok) return json;
          var error = new Error((json && json.error && json.error.message) || 'HTTP ' + res.status);
          error.status = res.status;
          error.code = json && json.error && json.error.code;
          throw error;
        },
        function () {
          var error = new Error('HTTP ' + res.status);
          error.status = res.status;
          throw error;
        },
      );
    });
  }

  // ---- helpers ---------------------------------------------------------------------------------

  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key.indexOf('-') >= 0 || key === 'role') node.setAttribute(key, props[key]);
      else node[key] = props[key];
    });
    return node;
  }

  function remove(node) {
    if (node.parentNode) node.parentNode.removeChild(node);
  }

  function setStatus(text) {
    status.textContent = text;
  }

  function updateBadge() {
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? '9+' : String(unread);
    launcher.setAttribute(
      'aria-label',
      unread ? '打开小申在线咨询（' + unread + ' 条新消息）' : '打开小申在线咨询',
    );
  }

  function clock(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return '';
    return ('0' + date.getHours()).slice(-2) + ':' + ('0' + date.getMinutes()).slice(-2);
  }

  function randomKey() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ('0' + b.toString(16)).slice(-2);
      })
      .join('');
  }

  // A returning visitor stays connected, so a helper's reply shows as a badge on the closed button.
  if (session) start();
})();
