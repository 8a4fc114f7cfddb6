// Zabbix webhook media script for `autoscaler inputs zabbix` (the same script in both media
// types of autoscaler_media_types.yaml; only autoscaler_event_type differs).
//
// - Only a new problem event is sent. The zabbix input forwards every POST, so a recovery or
//   an update sent to /up would scale up again.
// - The query keys are the input's: source, resource-name, desired-state-name (a key spelled
//   otherwise, such as resource_name, is answered 400).
// - Success: the input forwarded the event and the Core answered (a reply with an `id`, also
//   when the Core is in cooldown). Anything else fails the notification with the reason.
var params = JSON.parse(value);

function parameter(name) {
    if (!params[name]) {
        throw 'parameter "' + name + '" is required';
    }
    return params[name];
}

var endpoint = parameter('autoscaler_endpoint').replace(/\/+$/, '');
var type = parameter('autoscaler_event_type');
if (type !== 'up' && type !== 'down') {
    throw 'autoscaler_event_type must be "up" or "down", not "' + type + '"';
}
if (params.event_value !== '1' || params.event_update_status === '1') {
    return 'not sent: only new problem events scale';
}

var query = [
    'source=' + encodeURIComponent(params.autoscaler_source || 'zabbix'),
    'resource-name=' + encodeURIComponent(params.autoscaler_resource_name || 'default')
];
if (params.autoscaler_desired_state_name) {
    query.push('desired-state-name=' + encodeURIComponent(params.autoscaler_desired_state_name));
}
var url = endpoint + '/' + type + '?' + query.join('&');

var request = new HttpRequest();
request.addHeader('Content-Type: application/json');
if (params.autoscaler_token) {
    request.addHeader('Authorization: Bearer ' + params.autoscaler_token);
}
if (params.HTTPProxy) {
    request.setProxy(params.HTTPProxy);
}
var body = JSON.stringify({
    event_id: params.event_id,
    event_name: params.event_name,
    event_severity: params.event_severity,
    host_name: params.host_name,
    trigger_id: params.trigger_id
});
Zabbix.log(4, '[ Sacloud AutoScaler ] POST ' + url);
var response = request.post(url, body);
var status = request.getStatus();
if (status !== 200) {
    throw 'autoscaler input answered HTTP ' + status + ': ' + response;
}
var reply;
try {
    reply = JSON.parse(response);
} catch (error) {
    throw 'autoscaler input answered something that is not JSON: ' + response;
}
if (!reply.id) {
    throw 'autoscaler input did not forward the event: ' + (reply.message || response);
}
return 'job ' + reply.id + ': ' + reply.status + (reply.message ? ' (' + reply.message + ')' : '');
