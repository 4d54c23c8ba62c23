/* Desk sign-in: one-time link (?token=), demo one-click (?demo=), or staff id + password. */
(function () {
  'use strict';
  var TOKEN_KEY = 'bangban.desk.token';
  var status = document.getElementById('login-status');
  var form = document.getElementById('login-form');
  var params = new URLSearchParams(location.search);

  // Keep one-time tokens out of the history and out of any later Referer.
  if (params.has('token') || params.has('demo')) history.replaceState(null, '', location.pathname);

  function signIn(path, body) {
    status.textContent = '正在登录…';
    return fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(function (res) {
        return res.json().then(function (json) {
          if (!res.ok) throw new Error((json.error && json.error.message) || '登录失败');
          return json;
        });
      })
      .then(function (session) {
        // Per tab: two tabs may act as two different staff members (useful in the demo).
        try {
          sessionStorage.setItem(TOKEN_KEY, session.token);
        } catch (e) {
          /* cookie still works */
        }
        location.replace('/desk');
      })
      .catch(function (error) {
        status.textContent = '登录失败：' + error.message;
        status.className = 'login-status error';
      });
  }

  if (params.get('token')) signIn('/api/desk/login', { token: params.get('token') });
  else if (params.get('demo')) signIn('/api/desk/demo-login', { staffId: params.get('demo') });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    signIn('/api/desk/login', { staffId: form.staffId.value.trim(), password: form.password.value });
  });
})();
