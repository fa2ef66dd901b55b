#!/usr/bin/env python3
"""Prints every cycle among the modules of src/ (files that import each other through `use`
crate::/super::/self:: paths), one line per strongly connected set. usage: scripts/module_cycles.py [SRC_DIR]"""
import os,re,sys
root=sys.argv[1] if len(sys.argv)>1 else 'src'
mods={}
for dp,dn,fn in os.walk(root):
    for f in fn:
        if f.endswith('.rs'):
            p=os.path.join(dp,f); rel=os.path.relpath(p,root)[:-3]
            parts=rel.split('/')
            if parts[-1]=='mod': parts=parts[:-1]
            if parts==['main']: parts=[]
            mods['::'.join(parts)]=p
def resolve(cur, path):
    # cur: module path list; path: e.g. super::x::Y or crate::a::b
    segs=path.split('::')
    if segs[0]=='crate': base=[]; segs=segs[1:]
    elif segs[0]=='super':
        base=cur[:-1]; segs=segs[1:]
        while segs and segs[0]=='super': base=base[:-1]; segs=segs[1:]
    elif segs[0]=='self': base=cur; segs=segs[1:]
    else: return None
    best=None
    for i in range(len(segs),-1,-1):
        m='::'.join(base+segs[:i])
        if m in mods: best=m; break
    return best
graph={}
for m,p in mods.items():
    cur=m.split('::') if m else []
    src=open(p).read()
    # strip tests
    src=re.split(r'#\[cfg\(test\)\]',src)[0]
    deps=set()
    for u in re.findall(r'\buse\s+((?:crate|super|self)[^;]*);',src,re.S):
        u=re.sub(r'\s+','',u)
        # expand braces one level
        mm=re.match(r'(.*?)::\{(.*)\}$',u)
        items=[]
        if mm:
            pre=mm.group(1)
            depth=0;cur_i='';
            for ch in mm.group(2):
                if ch=='{':depth+=1
                if ch=='}':depth-=1
                if ch==',' and depth==0: items.append(pre+'::'+cur_i); cur_i=''
                else: cur_i+=ch
            if cur_i: items.append(pre+'::'+cur_i)
        else: items=[u]
        for it in items:
            it=re.sub(r'::\{.*','',it); it=it.split(' as ')[0]
            if it.endswith('::self'): it=it[:-6]
            r=resolve(cur,it)
            if r is not None and r!=m: deps.add(r)
    for u in re.findall(r'\b((?:crate|super)(?:::\w+)+)',src):
        r=resolve(cur,u)
        if r is not None and r!=m: deps.add(r)
    # parent mod re-export edges ignored
    graph[m]=deps
# tarjan
idx={};low={};st=[];on=set();sccs=[];c=[0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in graph.get(v,()):
        if w not in graph: continue
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: sccs.append(sorted(comp))
for v in graph:
    if v not in idx: sc(v)
for s in sccs: print(len(s), s)
