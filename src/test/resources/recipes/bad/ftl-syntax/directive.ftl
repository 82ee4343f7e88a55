a
<#iff true>x</#iff>
